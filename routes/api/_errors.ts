/** A 404 with a JSON error. */
export function notFound(message: string): Response {
  return Response.json({ error: message }, { status: 404 });
}

/** A 400 with a JSON error. */
export function badRequest(message: string): Response {
  return Response.json({ error: message }, { status: 400 });
}
