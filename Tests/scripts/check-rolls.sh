#!/usr/bin/env bash
# Pre-printed stamp rolls end to end with the CLI and independent tools:
#   station roll issue → PDF rasterised by pdftoppm (poppler) → zbarimg decodes exactly the
#   manifest's URLs (A4 sheets and the roll layout); the ZPL stream has one label per stamp;
#   a voided roll's stamps check as VOID (text and photo of the printed page), counts are right.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/debug/station
[ -x "$bin" ] || { echo "check-rolls: build first (swift build)"; exit 1; }
for t in pdftoppm pdfinfo zbarimg; do
  command -v "$t" >/dev/null || { echo "check-rolls: $t missing: run scripts/install-deps --test"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
st() { "$bin" "$@" --config Config/station.toml --data-dir "$work/data" --log-level error; }
fail() { echo "check-rolls: FAIL: $*"; exit 1; }

st product add --gtin 8938512345017 --name "Miến dong Na Rì" --producer "HTX Côn Minh" --producer-gln 8938512340005 >/dev/null
n=37
st roll issue --product 8938512345017 --count $n --province "tỉnh Bắc Kạn" --out "$work/a4" >/dev/null
csv="$work/a4/roll-1.csv"
[ "$(head -1 "$csv")" = "position,serial,url,tag,page,x_mm,y_mm" ] || fail "manifest header"
tail -n +2 "$csv" | cut -d, -f3 | sort > "$work/expected"
[ "$(wc -l < "$work/expected")" -eq $n ] || fail "manifest has $(wc -l < "$work/expected") stamps, want $n"

# A4: 30 stamps of 30 x 40 mm per sheet -> 2 pages.
pdfinfo "$work/a4/roll-1.pdf" | grep -q "^Pages: *2$" || fail "A4 page count"
pdfinfo "$work/a4/roll-1.pdf" | grep -q "595.276 x 841.89 pts (A4)" || fail "A4 page size"
# Each stamp's cell (page, x_mm, y_mm from the manifest; 30 x 40 mm plus 1 mm) rasterised at
# 300 dpi and decoded alone: position by position, the QR must carry the manifest's URL.
decode_cells() { # pdf manifest
  tail -n +2 "$2" | while IFS=, read -r pos serial url tag page x y; do
    px() { awk -v v="$1" 'BEGIN { printf "%d", (v) * 300 / 25.4 + 0.5 }'; }
    pdftoppm -r 300 -gray -png -singlefile -f "$page" -l "$page" -x "$(px "$x - 1")" -y "$(px "$y - 1")" \
      -W "$(px 32)" -H "$(px 42)" "$1" "$work/cell"
    got=$(zbarimg -q --raw -Sdisable -Sqrcode.enable "$work/cell.png" 2>/dev/null || true)
    [ "$got" = "$url" ] || { echo "stamp $pos on page $page at ($x, $y) mm decodes to '$got', want $url"; exit 1; }
  done
}
decode_cells "$work/a4/roll-1.pdf" "$csv" || fail "A4 stamps do not decode to the manifest's URLs"
# The whole pages too (zbar may miss a code among 30 on one sheet, never read a wrong one).
pdftoppm -r 300 -gray -png "$work/a4/roll-1.pdf" "$work/a4/page"
zbarimg -q --raw -Sdisable -Sqrcode.enable "$work"/a4/page-*.png 2>/dev/null | sort > "$work/decoded" || true
comm -13 "$work/expected" "$work/decoded" | grep -q . && fail "a sheet decodes to a URL not in the manifest"
[ "$(wc -l < "$work/decoded")" -ge $((n - 3)) ] || fail "only $(wc -l < "$work/decoded") of $n codes read from whole sheets"
[ "$(grep -c '\^XA' "$work/a4/roll-1.zpl")" -eq $n ] || fail "ZPL stream does not hold $n labels"

# Roll layout: one page per stamp, 36 x 46 mm (stamp + 3 mm gap each side).
st roll export 1 --layout roll --out "$work/roll" >/dev/null
pdfinfo "$work/roll/roll-1.pdf" | grep -q "^Pages: *$n$" || fail "roll page count"
pdfinfo "$work/roll/roll-1.pdf" | grep -q "102.047 x 130.394 pts" || fail "roll page size"
pdftoppm -r 300 -gray -png "$work/roll/roll-1.pdf" "$work/roll/page"
zbarimg -q --raw -Sdisable -Sqrcode.enable "$work"/roll/page-*.png 2>/dev/null | sort > "$work/decoded-roll"
diff -u "$work/expected" "$work/decoded-roll" || fail "roll pages do not decode to the manifest's URLs"
cut -d, -f1-4 "$csv" > "$work/a4.ids"; cut -d, -f1-4 "$work/roll/roll-1.csv" > "$work/roll.ids"
cmp -s "$work/a4.ids" "$work/roll.ids" || fail "export changed the serials, URLs or tags"

# Not yet activated, then lost: every unused stamp checks as void.
first=$(sed -n 2p "$csv" | cut -d, -f3)
out=$(st stamp check "$first" || true)
case "$out" in NOT_ACTIVATED:*) ;; *) fail "unactivated stamp checked as: $out" ;; esac
st roll void 1 --reason "mất cuộn khi vận chuyển" >/dev/null
out=$(st stamp check "$first" || true)
case "$out" in VOID:*) ;; *) fail "voided roll stamp checked as: $out" ;; esac
photo=$(ls "$work"/roll/page-*.png | head -1)
st verify "$photo" > "$work/verify.txt" 2>&1 || true
grep -q "VOID" "$work/verify.txt" || { cat "$work/verify.txt"; fail "photo of a voided roll stamp not reported void"; }
st roll status 1 --json > "$work/status.json"
grep -q '"unused" : 0' "$work/status.json" && grep -q "\"void\" : $n" "$work/status.json" || { cat "$work/status.json"; fail "status counts"; }
# A province roll, for no product: GIAI stamps (AI 8004) under the province's company prefix.
out=$(st roll issue --count 8 --province "tỉnh Bắc Kạn" --out "$work/prov" 2>&1 || true)
case "$out" in *"company prefix"*) ;; *) fail "a province roll without rolls.company_prefix: $out" ;; esac
st roll issue --count 8 --company-prefix 8938599 --province "tỉnh Bắc Kạn" --out "$work/prov" >/dev/null
pcsv="$work/prov/roll-2.csv"
tail -n +2 "$pcsv" | cut -d, -f3 | sort > "$work/prov-expected"
[ "$(wc -l < "$work/prov-expected")" -eq 8 ] || fail "province manifest has $(wc -l < "$work/prov-expected") stamps"
grep -qv '^https://txng.backan.gov.vn/8004/8938599[23456789A-Z]*?92=[23456789A-Z]*$' "$work/prov-expected" && fail "province URLs are not GIAI Digital Links: $(head -1 "$work/prov-expected")"
decode_cells "$work/prov/roll-2.pdf" "$pcsv" || fail "province stamps do not decode to the manifest's URLs"
pfirst=$(head -1 "$work/prov-expected")
out=$(st stamp check "$pfirst" || true)
case "$out" in NOT_ACTIVATED:*) ;; *) fail "unactivated province stamp checked as: $out" ;; esac
st roll status 2 | grep -q "tỉnh 8938599" || fail "roll status does not show the province roll"
st roll void 2 --reason "mất cuộn" >/dev/null
out=$(st stamp check "$pfirst" || true)
case "$out" in VOID:*) ;; *) fail "voided province stamp checked as: $out" ;; esac
echo "check-rolls: $n stamps: A4 and roll PDFs decode to the manifest, ZPL complete, lost roll verifies void; province roll of 8 GIAI stamps likewise"
