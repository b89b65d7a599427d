import { ChannelError } from "#shared/notify/channel";

/** How an adapter reaches its provider: `fetch` in production, a fake or a test receiver in tests. */
export type ProviderFetcher = (request: Request) => Promise<Response>;

export const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * Sends one request to a provider. A transport failure (no answer, a timeout) is retryable.
 * The error names the provider and the failure only: never the body, which holds the message
 * and the address.
 */
export async function callProvider(
  fetcher: ProviderFetcher,
  request: Request,
  provider: string,
): Promise<Response> {
  try {
    return await fetcher(request);
  } catch (error) {
    const name = error instanceof Error ? error.name : "unknown error";
    throw new ChannelError(`${provider} could not be reached: ${name}`, true);
  }
}

/**
 * The common reading of a provider's status: 2xx accepted; 408, 429 and 5xx retryable (the
 * provider is busy or down); any other 4xx is the request's fault and would fail again, so the
 * delivery goes to the dead letters.
 */
export function providerRefusal(provider: string, status: number): ChannelError | null {
  if (status >= 200 && status <= 299) return null;
  const retryable = status === 408 || status === 429 || status >= 500;
  return new ChannelError(`${provider} answered ${status}`, retryable);
}
