// Secrets of every kind the privacy levels promise to catch, and inputs built to be worst-case
// for the secret rules: shared by the tests and the redaction bench.

const repeat = (s: string, n: number) => s.repeat(n);

/** One of each secret kind the issue names, built at run time. */
export const SECRETS: Record<string, string> = {
  aws: "AKIA" + "QYLPMN5HHHFPZAM2",
  github: "ghp_" + "Xy7kQ2mN9pL4rT6vB8cD1fG3hJ5kM7nP0qRs",
  openai: "sk-proj-" + repeat("Ab3dE5fG7h", 7) + "Ab3d" + "T3BlbkFJ" + repeat("Zq9wX8cV7b", 7) +
    "Zq9w",
  anthropic: "sk-ant-api03-" + repeat("Qw3eRt5yUi", 9) + "Qw3" + "AA",
  slack: "xoxb-" + "123456789012-123456789012-" + "AbCdEfGhIjKlMnOpQrStUvWx",
  privateKey: "-----BEGIN RSA PRIVATE KEY-----\n" +
    repeat("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n", 4) +
    "-----END RSA PRIVATE KEY-----",
  jwt: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSJ9." +
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
  password: "password=" + "Correct-Horse-Battery-9",
  jsonField: "field-secret-" + "Pz8Lm2Qx7Rt4",
};

/** Inputs built to make the secret rules backtrack: long runs of what almost matches. */
export function hostileInputs(size = 1 << 20): Record<string, string> {
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  return {
    "one letter": fill("a"),
    "GitHub prefixes": fill("ghp_"),
    "JWT heads": fill("eyJ"),
    "JWT almost": fill("eyJhbGciOiJI."),
    "private key opening": fill("-----BEGIN RSA PRIVATE KEY-----\n"),
    "key body, no end": "-----BEGIN RSA PRIVATE KEY-----\n" + fill("MIIEowIBAAKCAQEA\n"),
    "password assignments": fill("password="),
    "password, spaces": fill("password =  "),
    "OpenAI prefixes": fill("sk-proj-"),
    "Anthropic prefixes": fill("sk-ant-api03-"),
    "Slack prefixes": fill("xoxb-1"),
    "URL credentials": fill("https://a:"),
    "AWS almost": fill("AKIA1234"),
    "connection strings": fill("postgres://u:"),
    "base64": fill("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="),
  };
}
