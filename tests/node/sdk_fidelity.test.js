// Fidelity of the Gemini stand-in (`cinestream gemini-sim`) as seen by Google's official JS SDK
// (@google/genai): if the SDK accepts the stand-in's answers and errors exactly as it would the
// real service's, code written against the real API works against the stand-in.
//
// Run: node --test tests/node/sdk_fidelity.test.js   (CTest: ctest -R sdk_fidelity)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ApiError, GoogleGenAI } from '@google/genai';

import { setFaults, simStats, startSim } from './support/sim.js';

const API_KEY = 'test-key';
const TIMEOUT = { timeout: 20_000 };
const CINEMAS_PROMPT =
  'List the cinemas in the city below as a JSON array of {name, address, website}.\n' +
  '<request>{"task":"cinemas","city":"Kyiv"}</request>';
const REDIRECT_PREFIX = 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/';

let sim;

// A client as an application would build it, but pointed at the stand-in. No retryOptions: in
// this SDK version that means no automatic retry, so an error reaches the caller as served.
function client(apiKey = API_KEY) {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim.baseUrl, timeout: 15_000 } });
}

function assertCinemas(text) {
  assert.equal(typeof text, 'string');
  const rows = JSON.parse(text);
  assert.ok(Array.isArray(rows), `expected a JSON array, got: ${text.slice(0, 200)}`);
  assert.equal(rows.length, 10);
  for (const row of rows) {
    for (const key of ['name', 'address', 'website']) {
      assert.equal(typeof row[key], 'string', `row ${JSON.stringify(row)} lacks ${key}`);
      assert.ok(row[key].length > 0, `row ${JSON.stringify(row)} has an empty ${key}`);
    }
  }
}

// The SDK's ApiError carries the HTTP status, and the service's JSON error body as its message.
async function expectApiError(promise, status) {
  let caught;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof ApiError, `expected ApiError, got ${caught?.name}: ${caught?.message}`);
  assert.equal(caught.name, 'ApiError');
  assert.equal(caught.status, status, caught.message);
  const body = JSON.parse(caught.message);
  assert.equal(body.error.code, status);
  return { err: caught, body };
}

describe('@google/genai against the Gemini stand-in', () => {
  before(async () => {
    sim = await startSim({ apiKey: API_KEY, seed: 7 });
  }, TIMEOUT);
  after(async () => {
    await sim?.stop();
  }, TIMEOUT);

  test('plain generateContent returns text, usage and finishReason STOP', TIMEOUT, async () => {
    const response = await client().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Hello',
    });
    assert.equal(typeof response.text, 'string');
    assert.ok(response.text.length > 0, 'response.text is empty');
    assert.ok(response.usageMetadata.totalTokenCount > 0, JSON.stringify(response.usageMetadata));
    assert.equal(response.candidates[0].finishReason, 'STOP');
  });

  test('generateContentStream yields chunks whose texts join into the JSON answer', TIMEOUT, async () => {
    const stream = await client().models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: CINEMAS_PROMPT,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length >= 1, 'no chunk streamed');
    const text = chunks.map((c) => c.text ?? '').join('');
    assertCinemas(text);
    const last = chunks.at(-1);
    assert.ok(last.usageMetadata, 'last chunk has no usageMetadata');
    assert.ok(last.usageMetadata.totalTokenCount > 0, JSON.stringify(last.usageMetadata));
    assert.equal(last.candidates[0].finishReason, 'STOP');
  });

  test('grounded call returns groundingMetadata with redirect URIs and a JSON text', TIMEOUT, async () => {
    const response = await client().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: CINEMAS_PROMPT,
      config: { tools: [{ googleSearch: {} }] },
    });
    const meta = response.candidates[0].groundingMetadata;
    assert.ok(meta, 'no groundingMetadata');
    assert.ok(Array.isArray(meta.webSearchQueries) && meta.webSearchQueries.length > 0,
      JSON.stringify(meta.webSearchQueries));
    assert.ok(meta.webSearchQueries.every((q) => typeof q === 'string' && q.length > 0));
    assert.ok(meta.groundingChunks.length > 0, 'no groundingChunks');
    assert.ok(meta.groundingChunks[0].web.uri.startsWith(REDIRECT_PREFIX),
      meta.groundingChunks[0].web.uri);
    assertCinemas(response.text);
  });

  test('a 429 reaches the caller as ApiError RESOURCE_EXHAUSTED, unretried; the next call succeeds',
    TIMEOUT, async () => {
      const ai = client();
      await setFaults(sim.baseUrl, { burst_429: 1, retry_delay_ms: 1000 });
      const before429 = await simStats(sim.baseUrl);
      const { err, body } = await expectApiError(
        ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello' }), 429);
      assert.match(err.message, /RESOURCE_EXHAUSTED/);
      assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
      const retryInfo = body.error.details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
      assert.equal(retryInfo?.retryDelay, '1s', JSON.stringify(body.error.details));
      assert.ok(body.error.details.some((d) => d['@type']?.endsWith('google.rpc.QuotaFailure')));
      // Exactly one request was served, and it was the injected 429: the SDK did not retry.
      const after429 = await simStats(sim.baseUrl);
      assert.equal(after429.calls - before429.calls, 1, 'the SDK retried the 429');
      assert.equal(after429.errors_injected - before429.errors_injected, 1);

      const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello' });
      assert.ok(response.text.length > 0);
      assert.equal(response.candidates[0].finishReason, 'STOP');
    });

  test('a wrong API key gets 400 API_KEY_INVALID', TIMEOUT, async () => {
    const { err, body } = await expectApiError(
      client('wrong').models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello' }), 400);
    assert.match(err.message, /API_KEY_INVALID|API key not valid/);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    const info = body.error.details.find((d) => d['@type']?.endsWith('google.rpc.ErrorInfo'));
    assert.equal(info?.reason, 'API_KEY_INVALID', JSON.stringify(body.error.details));
  });

  test('grounding with a JSON mime type: 400 on gemini-2.5, JSON on gemini-3', TIMEOUT, async () => {
    const ai = client();
    const config = { tools: [{ googleSearch: {} }], responseMimeType: 'application/json' };
    const { err, body } = await expectApiError(
      ai.models.generateContent({ model: 'gemini-2.5-flash', contents: CINEMAS_PROMPT, config }), 400);
    assert.match(err.message, /INVALID_ARGUMENT/);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');

    const response = await ai.models.generateContent({
      model: 'gemini-3-flash-preview',
      contents: CINEMAS_PROMPT,
      config,
    });
    assertCinemas(response.text);
    assert.ok(response.candidates[0].groundingMetadata?.webSearchQueries?.length > 0);
  });
});
