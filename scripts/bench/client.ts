// The benchmarks' GraphQL client: a POST with the caller's token. A bench measures
// answers, so any GraphQL error stops it rather than being timed.
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  token: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: unknown[]; data?: T };
  if (body.errors) throw new Error(`bench request failed: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data!;
}
