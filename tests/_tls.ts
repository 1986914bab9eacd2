/** Certificates for tests of TLS upstreams, made with openssl in a temporary folder. */

/** Runs openssl with `args` in `dir`; throws with its message when it fails. */
async function openssl(dir: string, args: string[]): Promise<void> {
  const made = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!made.success) {
    throw new Error(
      `openssl could not make a test certificate: ${new TextDecoder().decode(made.stderr)}`,
    );
  }
}

/**
 * A private CA and a certificate it signed for localhost and upstream.example, as a corporate
 * gateway has; or, with `selfSignedCa`, one self-signed CA certificate that the server
 * presents itself.
 */
export async function certificates(
  options: { selfSignedCa?: boolean } = {},
): Promise<{ caFile: string; cert: string; key: string }> {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-tls-" });
  const names = "subjectAltName=DNS:localhost,DNS:upstream.example,IP:127.0.0.1";
  const days = ["-days", "2"];
  // A self-signed certificate `name`.pem and its key `name`.key.
  const selfSigned = (name: string, subject: string, extra: string[] = []) =>
    openssl(dir, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      ...days,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-subj",
      subject,
      ...extra,
    ]);
  const read = (file: string) => Deno.readTextFile(`${dir}/${file}`);
  if (options.selfSignedCa) {
    await selfSigned("server", "/CN=localhost", ["-addext", names]);
    return {
      caFile: `${dir}/server.pem`,
      cert: await read("server.pem"),
      key: await read("server.key"),
    };
  }
  await selfSigned("ca", "/CN=llmprof test CA");
  await openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(`${dir}/server.ext`, `${names}\nbasicConstraints=critical,CA:FALSE\n`);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    ...days,
    "-extfile",
    "server.ext",
    "-out",
    "server.pem",
  ]);
  return { caFile: `${dir}/ca.pem`, cert: await read("server.pem"), key: await read("server.key") };
}
