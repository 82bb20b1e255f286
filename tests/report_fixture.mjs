// report_fixture.mjs — writes an output directory by hand for test_report.sh, with
// every file the report reads and known content: a worm outbreak at known
// places and times (3 frames of 300 s with hosts, so the movie's circles grow),
// attacks with locations, scanners, breakdowns — and hostile text from the
// network: an rDNS name holding <script>, an AS name holding an <img onerror>, a
// signature name with markup. The report must show all of it as text.
//
//   node report_fixture.mjs DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
const T0 = 995500800; // 2001-07-19 00:00 UTC
const q = (s) => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
const csv = (name, head, rows) =>
  writeFileSync(join(dir, name), [head, ...rows.map((r) => r.map((v) => q(String(v))).join(','))].join('\n') + '\n');

export const HOSTILE_RDNS = '<script>window.__dsXss=1</script>.dsl.example.net';
export const HOSTILE_AS = '<img src=x onerror=window.__dsXss=2>';
const places = [[40.71, -74.0, 'US'], [37.56, 126.97, 'KR'], [39.9, 116.4, 'CN'], [25.03, 121.56, 'TW'],
  [51.5, -0.12, 'GB'], [-33.9, 151.2, 'AU'], [55.75, 37.6, 'RU'], [-23.5, -46.6, 'BR']];

// Hosts: 12 frames of 5 minutes; frame f adds 5*(f+1) hosts; every 4th host has only a
// country (placed at the country's centroid), every 9th no location at all.
const hosts = [];
let n = 0;
for (let f = 0; f < 12; f++) {
  for (let k = 0; k < 5 * (f + 1); k++, n++) {
    const [lat, lon, cc] = places[n % places.length];
    const first = T0 + f * 300 + 10 + (k % 280);
    const last = first + (n % 3) * 400;
    const onlyCountry = n % 4 === 0, none = n % 9 === 0;
    hosts.push([`192.0.${n >> 8}.${n & 255}`, 'codered', first.toFixed(6), Math.min(last, T0 + 3599).toFixed(6), 3 + (n % 5),
      'east', 'east', none ? '' : cc, none || onlyCountry ? '' : (lat + (n % 5) * 0.3).toFixed(4),
      none || onlyCountry ? '' : (lon + (n % 7) * 0.3).toFixed(4), 64500 + (n % 3),
      n === 1 ? HOSTILE_AS : `Example ISP ${n % 3}`, n === 0 ? HOSTILE_RDNS : `h${n}.cable.example.com`,
      'name', n % 2 ? 'com' : 'net', 'example.com', n % 2 ? 'isp-home' : 'other']);
  }
}
// A second signature whose name is markup.
hosts.push(['198.51.100.7', '<b>sig</b>', (T0 + 900).toFixed(6), (T0 + 1000).toFixed(6), 2, 'east', 'east', 'DE', '52.5', '13.4',
  64501, 'Example ISP 1', 'x.example.org', 'name', 'org', 'example.org', 'other']);
csv('hosts.csv', 'ip,signature,first_seen,last_seen,packets,monitors,first_monitor,country,lat,lon,asn,as_org,rdns,rdns_status,tld,domain,category', hosts);

// worm.csv / worm.json for the codered curve (interval 60 s, monitor all).
const perMin = new Array(60).fill(0);
for (const h of hosts) if (h[1] === 'codered') perMin[Math.floor((Number(h[2]) - T0) / 60)]++;
let cum = 0;
const wrows = [];
perMin.forEach((v, i) => { cum += v; wrows.push([T0 + i * 60, 'codered', 'all', v, cum, v + 2, v * 3]); });
csv('worm.csv', 'interval_start,signature,monitor,new_hosts,cumulative_hosts,active_hosts,probes', wrows);
writeFileSync(join(dir, 'worm.json'), JSON.stringify({
  interval_s: 60,
  signatures: {
    codered: {
      hosts_total: cum, first_host: (T0 + 10).toFixed(6), peak_new_per_minute: Math.max(...perMin), peak_minute: String(T0 + 3300),
      phase_changes: [{ time: (T0 + 1800).toFixed(6), series: 'new_hosts', direction: 'up', rate_before: 2, rate_after: 8 }],
      infection_phase: { start: String(T0), end: String(T0 + 3600), end_by: 'last new host', length_s: 3600 },
      fit: { status: 'converged', points: 60, fitted_until: (T0 + 3600).toFixed(6), K_per_hour: 3.1, K_stderr: 0.1,
        T: (T0 + 3000).toFixed(6), N: 420, N_stderr: 12, doubling_time_minutes: 13.4, r_squared: 0.99 },
      coverage: { monitors: [{ monitor: 'east', size: 65536, hosts_seen: cum, median_scan_rate_pps: 11, p_seen_within_window: 0.3,
        mean_time_to_first_sighting_s: 5958 }], missed: { method: 'coverage', missed_hosts: 12 } },
    },
  },
}));

// series.csv: two monitors, three classes, one hour.
const srows = [];
for (let i = 0; i < 60; i++)
  for (const m of ['east', 'west'])
    for (const [c, base] of [['backscatter', 40], ['scan-tcp', 100], ['udp-response', 5]])
      srows.push([T0 + i * 60, m, c, base + ((i * 7) % 13), 40 * base, 3, 9]);
csv('series.csv', 'interval_start,monitor,class,packets,bytes,sources,destinations', srows);

// attacks.csv: 30 attacks, located.
const arows = [];
for (let i = 0; i < 30; i++) {
  const [lat, lon, cc] = places[i % places.length];
  const start = T0 + i * 100, dur = 60 + i * 37;
  arows.push([`203.0.113.${i}`, i % 3 ? 'tcp' : 'icmp', 'east', start.toFixed(6), (start + dur).toFixed(6), dur.toFixed(6), 100 + i * 50,
    4000 + i * 2000, 90 + i, 'true', 2, 5, 1, 80, '80:100', 60 + i, 3, ((100 + i * 50) / dur).toFixed(6), (((100 + i * 50) / dur) * 65536).toFixed(3),
    0, 0, 100, 0, 0, 0, 0, 0, 0, '0.5', 'true', cc, lat, lon, 64500, i === 2 ? HOSTILE_AS : 'Victim Net', i === 3 ? HOSTILE_RDNS : `v${i}.example.com`]);
}
csv('attacks.csv', 'victim,protocol,monitors,start,end,duration_s,packets,bytes,telescope_addrs,telescope_addrs_exact,attacker_slash16s,attack_ports,target_ports,first_target_port,top_target_ports,max_ppm,peak_pps,mean_pps,est_attack_pps,icmp_mismatches,unquoted_errors,synack,rst,rstack,echo_reply,unreach,ttl_exceeded,other_icmp,ad_statistic,spoof_uniform,country,lat,lon,asn,as_org,rdns', arows);

csv('scanners.csv', 'source,protocol,port,start,end,packets,destinations,est_scan_pps,tool',
  Array.from({ length: 12 }, (_, i) => [`198.51.100.${i}`, 'tcp', [23, 445, 80][i % 3], (T0 + i * 60).toFixed(6), (T0 + i * 60 + 200).toFixed(6),
    30 + i, 25 + i, 1000 + i, ['zmap', 'masscan', 'mirai', 'unknown'][i % 4]]));

const bd = (keys) => keys.map(([k, h], i) => ['infected', 'codered', k, h, (100 * h / 420).toFixed(2)]).concat(
  keys.slice(0, 2).map(([k, h]) => ['victim', '', k, h, '50.00']));
csv('countries.csv', 'role,signature,key,hosts,percent', bd([['US', 180], ['KR', 46], ['CN', 21], ['TW', 17]]));
csv('tlds.csv', 'role,signature,key,hosts,percent', bd([['net', 80], ['com', 59], ['edu', 8]]));
csv('asns.csv', 'role,signature,key,hosts,percent', bd([['AS64500 ' + HOSTILE_AS, 50], ['AS64501 Example ISP', 40]]));
csv('categories.csv', 'role,signature,key,hosts,percent', bd([['isp-home', 200], ['other', 150], ['mil', 2]]));

writeFileSync(join(dir, 'summary.json'), JSON.stringify({
  darkscope_version: 'test', command_line: ['darkscope', 'analyze', '<script>x</script>.pcap'], complete: true,
  inputs: [{ path: '<script>x</script>.pcap', status: 'ok', format: 'pcap', compression: 'none', packets: 1000, bytes: 64000,
    first_ts: String(T0), last_ts: String(T0 + 3599), errors: [], warnings: [] }],
  inputs_ok: true, telescope_open: false, monitors: [{ name: 'east', prefixes: '198.18.0.0/16', size: 65536 }], notes: [],
  interval_s: 60, time_span: { first_ts: String(T0), last_ts: String(T0 + 3599), seconds: 3599 },
  totals: { frames: 1000, bytes: 64000, non_ip_frames: 0, malformed: 1, outside: 0, analysed: 999,
    classes: { backscatter: 400, 'scan-tcp': 500, 'udp-response': 99 } },
  anomalies: { ip_truncated: 1, out_of_order: 0 },
}));
console.log(`fixture: ${dir} (${hosts.length} hosts, ${arows.length} attacks)`);
