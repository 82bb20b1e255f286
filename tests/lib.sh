# tests/lib.sh — sourced by the shell tests that compare runs (test_state, test_mpi,
# test_threads, test_maxmem): counted checks, the comparison of two output
# directories, and the simulated Code-Red telescope with DoS attacks they share.
# Needs BIN (the darkscope binary); jq and python3.

fails=0
checks=0
check() { # check DESCRIPTION COMMAND: COMMAND is eval'ed; a failure is counted
  checks=$((checks + 1))
  if ! eval "$2"; then
    echo "FAIL: $1"
    fails=$((fails + 1))
  fi
}
checks_done() { # prints the tally; the test's exit status
  echo "$((checks - fails))/$checks checks passed"
  [ $fails -eq 0 ]
}

# same_dir A B: the same files, byte-identical, but for the command line in
# summary.json and in the copy of it that report.html embeds.
same_dir() {
  local a=$1 b=$2 f ok=0
  [ "$(cd "$a" && find . -type f | sort)" = "$(cd "$b" && find . -type f | sort)" ] || {
    echo "  file lists differ: $a $b"
    return 1
  }
  for f in $(cd "$a" && find . -type f | sort); do
    case "$f" in
      ./summary.json) cmp -s <(jq -S 'del(.command_line)' "$a/$f") <(jq -S 'del(.command_line)' "$b/$f") ;;
      ./report.html) cmp -s <(sed 's/"command_line":\[[^]]*\]//g' "$a/$f") \
        <(sed 's/"command_line":\[[^]]*\]//g' "$b/$f") ;;
      *) cmp -s "$a/$f" "$b/$f" ;;
    esac || {
      echo "  differs: $f ($a vs $b)"
      ok=1
    }
  done
  return $ok
}

# codered_scenario OUT DURATION ATTACKS: the codered-2001 preset from 10:00 UTC for
# DURATION, 400 hosts infected at once, and ATTACKS (a JSON list) as its DoS attacks.
codered_scenario() {
  "$BIN" simulate codered-2001 --print-scenario | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d.get("scenario", d)
s["start"] = "2001-07-19T10:00:00Z"
s["duration"] = sys.argv[2]
s["worm"]["initial_at"] = "2001-07-19T10:00:00Z"
s["worm"]["initial"] = 400
s["attacks"] = json.loads(sys.argv[3])
json.dump(s, open(sys.argv[1], "w"))
' "$1" "$2" "$3"
}
# The two attacks of the 90-minute scenario: SYN-ACKs 10:20-10:45 and ICMP
# unreachables (victim = the quoted destination) 10:50-11:10.
CODERED_ATTACKS='[
  {"victim": "24.12.80.7", "start": "2001-07-19T10:20:00Z", "duration": "25m",
   "rate": 3000, "response": "syn-ack", "port": 80},
  {"victim": "152.2.41.9", "start": "2001-07-19T10:50:00Z", "duration": "20m",
   "rate": 2000, "response": "icmp-unreachable", "protocol": "udp", "port": 27015}]'
