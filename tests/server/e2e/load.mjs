// Load test of a running owl server: streamed chat completions through the OpenAI Node client
// at 1, 4 and 16 concurrent streams. Prints one JSON object per level with requests, failures,
// completion tokens, wall time and aggregate tokens/s; exits 1 on any failure.
// Usage: node load.mjs BASE_URL API_KEY MODEL [MAX_TOKENS]
import OpenAI from 'openai';

const [baseURL, apiKey, model, maxTokensArg] = process.argv.slice(2);
const maxTokens = Number(maxTokensArg ?? 64);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120000 });

async function one(i) {
  const stream = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: `Story number ${i}` }], max_tokens: maxTokens, temperature: 0.8,
    seed: i, stream: true, stream_options: { include_usage: true },
  });
  let tokens = 0;
  for await (const chunk of stream) if (chunk.usage) tokens = chunk.usage.completion_tokens;
  if (tokens <= 0) throw new Error('no usage');
  return tokens;
}

async function level(concurrency, total) {
  let next = 0, failures = 0, tokens = 0;
  const errors = [];
  const t0 = performance.now();
  async function worker() {
    while (next < total) {
      const i = next++;
      try {
        const n = await one(i);  // (tokens += await ...) would read tokens before the await
        tokens += n;
      } catch (e) {
        failures++;
        if (errors.length < 3) errors.push(String(e));
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { concurrency, requests: total, failures, completion_tokens: tokens, seconds: +seconds.toFixed(3),
           tokens_per_s: +(tokens / seconds).toFixed(1), errors };
}

let failed = 0;
for (const [c, n] of [[1, 16], [4, 48], [16, 200]]) {
  const r = await level(c, n);
  failed += r.failures;
  console.log(JSON.stringify(r));
}
process.exit(failed ? 1 : 0);
