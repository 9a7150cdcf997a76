#!/usr/bin/env bash
# Regenerates signatures.tsv with OpenSSL, a tool independent of this crate's HMAC code:
#   v1 = hex HMAC-SHA256 of "<t>.<raw body>", keyed with the secret's bytes (H1).
# Run from this folder: `bash make.sh > signatures.tsv`. Columns: secret, t, body file, v1.
set -euo pipefail
printf '%s' '{}' > body-empty-object.json
printf '' > body-empty.txt
# A golden event document exactly as sent (no trailing newline).
head -c -1 ../golden/kebab/event-inquiry.json > body-event.json
long_secret=$(printf 'wbhsec_%.0s0123456789' {1..10})   # 170 bytes: longer than SHA-256's 64-byte block, so HMAC hashes the key first
for row in \
  "wbhsec_test_0123456789 1767225600 body-empty-object.json" \
  "wbhsec_test_0123456789 1767225600 body-event.json" \
  "wbhsec_rotated_0123456789 1767225601 body-event.json" \
  "wbhsec_test_0123456789 0 body-empty.txt" \
  "$long_secret 1767225600 body-event.json"; do
  read -r secret t body <<<"$row"
  v1=$( { printf '%s.' "$t"; cat "$body"; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  printf '%s\t%s\t%s\t%s\n' "$secret" "$t" "$body" "$v1"
done
