// End-to-end checks of a running owl server with the official OpenAI Node client.
// Usage: node openai_client.mjs BASE_URL API_KEY MODEL
// Prints one JSON line per check; exits 1 if any check failed.
import OpenAI from 'openai';

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60000 });
let failed = 0;

async function check(name, fn) {
  try {
    const detail = await fn();
    console.log(JSON.stringify({ name, ok: true, detail: detail ?? null }));
  } catch (e) {
    failed++;
    console.log(JSON.stringify({ name, ok: false, error: String(e && e.stack || e) }));
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the weather for a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string', maxLength: 20 }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
      additionalProperties: false,
    },
  },
};

await check('models.list', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  assert(ids.includes(model), `model ${model} in ${ids}`);
  return ids;
});

await check('chat plain', async () => {
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 24 });
  assert(r.object === 'chat.completion', 'object');
  const c = r.choices[0];
  assert(typeof c.message.content === 'string' && c.message.content.length > 0, 'content');
  assert(['stop', 'length'].includes(c.finish_reason), 'finish_reason ' + c.finish_reason);
  assert(r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens, 'usage sums');
  assert(r.usage.completion_tokens <= 24, 'max_tokens respected');
  return c.message.content;
});

await check('chat streamed', async () => {
  const stream = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 24, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '', chunks = 0, finish = null, usage = null;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert(chunks >= 3, 'several chunks');
  assert(text.length > 0, 'text');
  assert(finish === 'stop' || finish === 'length', 'finish ' + finish);
  assert(usage && usage.completion_tokens > 0, 'usage chunk');
  return { chunks, text };
});

await check('completions greedy', async () => {
  // stories260K from BOS, greedy: the reference sample (karpathy/llama2.c doc/stories260K.md).
  const r = await client.completions.create({ model, prompt: '', max_tokens: 32, temperature: 0 });
  const text = r.choices[0].text;
  assert(text.startsWith('Once upon a time, there was a little girl named Lily.'), JSON.stringify(text));
  return text;
});

await check('completions streamed with stop', async () => {
  const stream = await client.completions.create({ model, prompt: '', max_tokens: 64, temperature: 0, stream: true, stop: ['Lily'] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
  assert(text === 'Once upon a time, there was a little girl named ', JSON.stringify(text));
  return text;
});

await check('tools round trip', async () => {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  // stories260K's 512-token vocabulary spells the forced `<tool_call>{"name": ...` syntax almost a
  // byte at a time (about 45 tokens before the arguments), so leave room for the call.
  const r = await client.chat.completions.create({ model, messages, tools: [weatherTool], tool_choice: 'required', max_tokens: 200, seed: 7 });
  const c = r.choices[0];
  assert(c.finish_reason === 'tool_calls', 'finish_reason ' + c.finish_reason);
  const call = c.message.tool_calls[0];
  assert(call.type === 'function' && call.function.name === 'get_weather', 'name');
  const args = JSON.parse(call.function.arguments);
  assert(typeof args.location === 'string' && args.location.length <= 20, 'location');
  assert(args.unit === undefined || ['celsius', 'fahrenheit'].includes(args.unit), 'unit');
  assert(Object.keys(args).every((k) => ['location', 'unit'].includes(k)), 'no extra keys');
  messages.push(c.message);
  messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 18 }) });
  const r2 = await client.chat.completions.create({ model, messages, tools: [weatherTool], max_tokens: 16 });
  assert(typeof r2.choices[0].message.content === 'string', 'answer after the tool result');
  return { args, answer: r2.choices[0].message.content };
});

await check('json_schema output', async () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 16 }, age: { type: 'integer' }, pets: { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 3 } },
    required: ['name', 'age', 'pets'],
    additionalProperties: false,
  };
  const r = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Describe a person.' }], max_tokens: 200, seed: 1,
    response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
  });
  const v = JSON.parse(r.choices[0].message.content);
  assert(typeof v.name === 'string' && v.name.length <= 16, 'name');
  assert(Number.isInteger(v.age), 'age');
  assert(Array.isArray(v.pets) && v.pets.length <= 3 && v.pets.every((p) => typeof p === 'string'), 'pets');
  assert(Object.keys(v).length === 3, 'no extra keys');
  return v;
});

await check('error: unknown model', async () => {
  try {
    await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
  } catch (e) {
    assert(e instanceof OpenAI.NotFoundError, 'NotFoundError, got ' + e.constructor.name);
    assert(e.code === 'model_not_found', 'code ' + e.code);
    return e.message;
  }
  throw new Error('no error');
});

await check('error: bad request names the field', async () => {
  try {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], temperature: 7 });
  } catch (e) {
    assert(e instanceof OpenAI.BadRequestError, 'BadRequestError, got ' + e.constructor.name);
    assert(e.param === 'temperature', 'param ' + e.param);
    return e.message;
  }
  throw new Error('no error');
});

await check('error: wrong key', async () => {
  const bad = new OpenAI({ baseURL, apiKey: 'wrong-key', maxRetries: 0 });
  try {
    await bad.models.list();
  } catch (e) {
    assert(e instanceof OpenAI.AuthenticationError, 'AuthenticationError, got ' + e.constructor.name);
    return e.message;
  }
  throw new Error('no error');
});

await check('disconnect mid-stream', async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model, messages: [{ role: 'user', content: 'A long story please' }], max_tokens: 400, stream: true },
    { signal: controller.signal });
  let chunks = 0;
  try {
    for await (const _ of stream) {
      if (++chunks === 2) controller.abort();
    }
  } catch (e) {
    assert(e.name === 'APIUserAbortError' || e.name === 'AbortError', 'abort error ' + e.name);
  }
  // The server carries on serving.
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], max_tokens: 4 });
  assert(r.choices.length === 1, 'served after the abort');
  return chunks;
});

process.exit(failed ? 1 : 0);
