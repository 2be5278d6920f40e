// Writes one day (2024-06-01, UTC) of syslog message times, one RFC 3339
// timestamp per line: a daily rhythm of about 20 to 40 messages a minute,
// a silence from 03:00 to 03:20 and a storm from 14:10 to 14:15. The random
// numbers are seeded, so every run writes the same file.
// Usage, and how day.svg and day.png beside it were made:
//   node generate-day.mjs > day.txt
//   sekiwake anomaly --read day.txt --chart day.svg
//   rsvg-convert -o day.png day.svg        (Debian package librsvg2-bin)
const DAY = Date.UTC(2024, 5, 1);
const SILENCE = [3 * 60, 3 * 60 + 20];
const STORM = [14 * 60 + 10, 14 * 60 + 15];

let seed = 0x5eca1;
function random() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// Poisson-distributed count with mean `mean` (Knuth; fine for small means).
function poisson(mean) {
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian()));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

function gaussian() {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const out = [];
for (let minute = 0; minute < 24 * 60; minute++) {
  const rhythm = 30 - 10 * Math.cos((2 * Math.PI * (minute - 120)) / (24 * 60));
  let mean = rhythm;
  if (minute >= SILENCE[0] && minute < SILENCE[1]) mean = 0;
  if (minute >= STORM[0] && minute < STORM[1]) mean = 600;
  const n = mean === 0 ? 0 : poisson(mean);
  const times = Array.from({ length: n }, () => DAY + minute * 60_000 + Math.floor(random() * 60_000)).sort((a, b) => a - b);
  for (const t of times) out.push(new Date(t).toISOString());
}
process.stdout.write(out.join('\n') + '\n');
