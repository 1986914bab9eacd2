import Overview from "../islands/Overview.tsx";
import { overviewData } from "../reports/overview.ts";
import type { AppContext } from "./context.ts";
import { SetupGuide } from "./index.tsx";
import { Island, Layout } from "./_island.tsx";

/** The landing page: the answer in ten seconds, or how to set up when nothing is stored yet. */
export async function overviewPage(url: URL, ctx: AppContext) {
  const data = await overviewData(ctx.store);
  return (
    <Layout title="Overview" active="overview">
      <h1>Overview</h1>
      {data.stored_calls === 0 ? <SetupGuide origin={url.origin} /> : null}
      <Island name="Overview" component={Overview} props={{ data }} />
    </Layout>
  );
}
