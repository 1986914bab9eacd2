/**
 * Pricing: price lookup on genai-prices, overrides, and cost per call and per component.
 * @module
 */
export { cacheSaving, type CallCost, callCost, componentCosts, type LayoutPart } from "./cost.ts";
export { loadOverrides, type Overrides, parseOverrides, PricingError } from "./overrides.ts";
export { type PriceTable, type Rate, rateAt, ratesFor, type ResolvedPrice } from "./price_table.ts";
export { type PriceContext, resolvePrice } from "./resolve.ts";
