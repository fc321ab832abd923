// A stand-in for an OpenAI-compatible model server, for the browser test's
// streamed AI text: POST /v1/chat/completions answers with a fixed reply as
// server-sent chat.completion.chunk events, one word every STUB_CHUNK_MS
// (default 400 ms), so the page can be seen showing the text while it is
// written. scripts/e2e.sh starts it (`node lib/llmstub.js`, which prints the
// port) and points the server's OPENAI_BASE_URL at it.
import { createServer } from 'node:http';

export const reply = 'The answer, written one word at a time, is forty-two.';
const every = Number(process.env.STUB_CHUNK_MS ?? 400);

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
    return;
  }
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    const model = JSON.parse(body || '{}').model ?? 'stub';
    const send = (v) => res.write(`data: ${JSON.stringify(v)}\n\n`);
    const chunk = (delta, finish = null) => ({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1700000000, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    send(chunk({ role: 'assistant', content: '' }));
    const words = reply.split(/(?= )/);
    for (const w of words) {
      if (res.destroyed) return;
      send(chunk({ content: w }));
      await new Promise((r) => setTimeout(r, every));
    }
    send(chunk({}, 'stop'));
    send({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: { prompt_tokens: 20, completion_tokens: words.length, total_tokens: 20 + words.length } });
    res.end('data: [DONE]\n\n');
  });
});

if (import.meta.url === `file://${process.argv[1]}`) {
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
}
