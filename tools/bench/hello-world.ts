/**
 * The baseline of P3: the cheapest JSON route Fastify serves, in a process
 * started like a Tandem one (same Node, same loopback address, logger at
 * the same level, same body limit). `PORT` comes from the benchmark.
 */
import Fastify from 'fastify';

const app = Fastify({
  logger: { level: process.env['TANDEM_LOG_LEVEL'] ?? 'warn' },
  bodyLimit: 256 * 1024,
});
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: '127.0.0.1' });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().finally(() => process.exit(0)));
}
