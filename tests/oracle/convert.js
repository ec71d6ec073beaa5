// Reads [[lon, lat], ...] (WGS84) on stdin; writes [{gcj02: [lon, lat], bd09: [lon, lat]}, ...] with coordtransform (BD-09 via its gcj02tobd09).
const coordtransform = require('coordtransform');
let input = '';
process.stdin.on('data', chunk => input += chunk);
process.stdin.on('end', () => {
  const points = JSON.parse(input);
  const out = points.map(([lon, lat]) => ({ gcj02: coordtransform.wgs84togcj02(lon, lat), bd09: (g => coordtransform.gcj02tobd09(g[0], g[1]))(coordtransform.wgs84togcj02(lon, lat)) }));
  process.stdout.write(JSON.stringify(out));
});
