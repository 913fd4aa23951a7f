# json.awk — flattens one JSON document into lines "PATH<TAB>VALUE" (the guest has no jq).
#   {"uuid": "u1", "public_keys": {"k": "ssh-ed25519 AAAA x\n"}, "a": [1, true]}
# gives
#   uuid	u1
#   public_keys.k	ssh-ed25519 AAAA x
#   a.0	1
#   a.1	true
# Object keys are joined with ".", array elements get their index. Strings are decoded; \n, \r
# and \t become a space and the value is trimmed, so a value never holds a tab or a newline.
# \uXXXX outside printable ASCII becomes "?". Empty objects and arrays print nothing.
# Exit status 2 (and a message on stderr) when the input is not JSON. POSIX awk (busybox, mawk).
{ s = s $0 "\n" }
END {
  n = length(s); pos = 1
  ws()
  if (pos > n) fail("empty input")
  value("")
  ws()
  if (pos <= n) fail("trailing characters")
}

function fail(msg) {
  printf "json.awk: %s at offset %d\n", msg, pos > "/dev/stderr"
  exit 2
}

function ws(   c) {
  while (pos <= n) {
    c = substr(s, pos, 1)
    if (c != " " && c != "\t" && c != "\r" && c != "\n") return
    pos++
  }
}

function emit(path, v) {
  gsub(/\t/, " ", v)
  sub(/^ +/, "", v)
  sub(/ +$/, "", v)
  print path "\t" v
}

function hexval(h,   i, v, d) {
  v = 0
  for (i = 1; i <= length(h); i++) {
    d = index("0123456789abcdef", tolower(substr(h, i, 1)))
    if (d == 0) fail("bad \\u escape")
    v = v * 16 + d - 1
  }
  return v
}

function str(   out, c, v) {
  pos++
  out = ""
  while (pos <= n) {
    if (match(substr(s, pos, 256), /^[^"\\]+/)) {
      out = out substr(s, pos, RLENGTH)
      pos += RLENGTH
      continue
    }
    c = substr(s, pos, 1)
    if (c == "\"") { pos++; return out }
    c = substr(s, pos + 1, 1)
    pos += 2
    if (c == "n" || c == "r" || c == "t") out = out " "
    else if (c == "b" || c == "f") out = out ""
    else if (c == "u") {
      v = hexval(substr(s, pos, 4))
      pos += 4
      out = out ((v >= 32 && v < 127) ? sprintf("%c", v) : "?")
    }
    else if (c == "\"" || c == "\\" || c == "/") out = out c
    else fail("bad escape")
  }
  fail("unterminated string")
}

function join(path, k) { return path == "" ? k : path "." k }

function value(path,   c, k, i) {
  ws()
  c = substr(s, pos, 1)
  if (c == "{") {
    pos++; ws()
    if (substr(s, pos, 1) == "}") { pos++; return }
    while (1) {
      ws()
      if (substr(s, pos, 1) != "\"") fail("expected a key")
      k = str()
      ws()
      if (substr(s, pos, 1) != ":") fail("expected ':'")
      pos++
      value(join(path, k))
      ws()
      c = substr(s, pos, 1); pos++
      if (c == "}") return
      if (c != ",") fail("expected ',' or '}'")
    }
  }
  if (c == "[") {
    pos++; ws()
    if (substr(s, pos, 1) == "]") { pos++; return }
    for (i = 0; ; i++) {
      value(join(path, i))
      ws()
      c = substr(s, pos, 1); pos++
      if (c == "]") return
      if (c != ",") fail("expected ',' or ']'")
    }
  }
  if (c == "\"") { emit(path, str()); return }
  if (match(substr(s, pos, 64), /^(-?[0-9][-+0-9.eE]*|true|false|null)/)) {
    emit(path, substr(s, pos, RLENGTH))
    pos += RLENGTH
    return
  }
  fail("unexpected character")
}
