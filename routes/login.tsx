import type { Guard } from "./guard.ts";
import { html } from "./pages.tsx";

function LoginPage(props: { failed: boolean }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Sign in · llmprof</title>
        <link rel="stylesheet" href="/_llmprof/static/style.css" />
        <link rel="icon" href="data:," />
      </head>
      <body>
        <main>
          <h1>llmprof</h1>
          <p>This llmprof is shared: enter the token it was started with (--token).</p>
          {props.failed
            ? <p role="alert">That token is not the one llmprof was started with.</p>
            : null}
          <form method="post" action="/_llmprof/login">
            <label>
              Token <input type="password" name="token" autocomplete="current-password" required />
            </label>{" "}
            <button type="submit">Sign in</button>
          </form>
        </main>
      </body>
    </html>
  );
}

/**
 * `GET /_llmprof/login` shows the form; `POST` (same-origin, checked before) compares the
 * token in constant time and sets an HttpOnly, SameSite=Strict cookie. The token never
 * travels in a URL.
 */
export async function login(request: Request, url: URL, guard: Guard): Promise<Response> {
  if (request.method === "GET" || request.method === "HEAD") {
    return form(false, 200);
  }
  if (request.method !== "POST") {
    return Response.json({ error: `${request.method} is not allowed here` }, {
      status: 405,
      headers: { allow: "GET, POST" },
    });
  }
  let token = "";
  try {
    const form = await request.formData();
    token = String(form.get("token") ?? "");
  } catch {
    // An unreadable form is a wrong token.
  }
  if (!guard.tokenMatches(token)) return form(true, 401);
  return new Response(null, {
    status: 303,
    headers: {
      location: "/_llmprof/",
      "set-cookie": guard.sessionCookie(url.protocol === "https:"),
      "cache-control": "no-store",
    },
  });
}

/**
 * The form page. Its referrer policy lets the browser send the page's Origin with the POST
 * (under no-referrer, Chromium sends `Origin: null`), so the same-origin check can pass.
 */
function form(failed: boolean, status: number): Response {
  const response = html(<LoginPage failed={failed} />, status);
  response.headers.set("referrer-policy", "same-origin");
  return response;
}
