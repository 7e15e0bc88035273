// decode.test.mjs for the beamcoder backend, in a process of its own (see there why).
process.env.TA_DECODE_BACKEND = 'beamcoder';
await import('./decode.test.mjs');
