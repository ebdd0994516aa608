#!/bin/sh
# Open a report page in headless Chromium and check that it renders:
#   - the page is self-contained: no <script>, no http:// or https:// reference other than the
#     SVG and XLink namespaces;
#   - no JavaScript or console error, no failed resource load, no blocked resource;
#   - at least one <svg>, and every figure (outermost <svg>, every <img>) is rendered with a
#     non-zero width and height (closed <details> are opened first), every <img> decoded
#     (the thumbnails are data: URIs, which load nothing from outside the page).
# Usage: check_report_html.sh REPORT_HTML
#        check_report_html.sh --self-test   (a good page must pass, a faulty one fail on
#                                            each of its faults)
# Exit: 0 all good (prints "N figures, all non-empty"); 1 with the reasons; 2 bad usage;
#       77 (ctest's "skipped") when Chromium is not installed.
# Needs only sh, grep, sed, awk, mktemp and Chromium (CHROMIUM=path overrides the search).
set -u

if [ $# -ne 1 ]; then
    echo "usage: check_report_html.sh REPORT_HTML | --self-test" >&2
    exit 2
fi
if [ "$1" = "--self-test" ]; then
    self=$0
    st=$(mktemp -d "${TMPDIR:-/tmp}/cs-check-self.XXXXXX") || exit 1
    trap 'rm -rf "$st"' EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$st/good/figures" "$st/bad/figures"
    for d in good bad; do
        printf '%s\n' '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>' \
            > "$st/$d/figures/a.svg"
    done
    head='<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>'
    fig='<svg xmlns="http://www.w3.org/2000/svg" width="80" height="60"><title>fig</title><rect width="80" height="60"/></svg>'
    printf '%s\n' "$head" "$fig" '<details><summary>more</summary>' "$fig" '</details>' \
        '<img src="figures/a.svg" alt="a">' \
        '<figure><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADElEQVR4nGNg+A+EAAYAAf+T0eSJAAAAAElFTkSuQmCC" alt="png"></figure>' \
        '</body></html>' > "$st/good/report.html"
    printf '%s\n' "$head" "$fig" '<svg width="0" height="0"><title>zero</title></svg>' \
        '<img src="figures/missing.svg" alt="m">' '<a href="https://example.com/">x</a>' \
        '<img src="figures/a.svg" onload="undefinedFunction()" alt="js">' \
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUg" alt="cut">' '</body></html>' > "$st/bad/report.html"
    sh "$self" "$st/good/report.html"
    rc=$?
    [ $rc -eq 77 ] && exit 77
    [ $rc -eq 0 ] || { echo "self-test: the good page failed"; exit 1; }
    sh "$self" "$st/bad/report.html" > "$st/bad.log"
    rc=$?
    cat "$st/bad.log"
    [ $rc -eq 1 ] || { echo "self-test: the bad page gave exit code $rc, expected 1"; exit 1; }
    missed=0
    for want in 'references the network' 'empty <svg> .*zero' 'broken <img> .*missing.svg' \
                'failed to load <img>' 'JS error: .*undefinedFunction' 'broken <img> .*src=data:image/png'; do
        grep -q "FAIL: .*$want" "$st/bad.log" || { echo "self-test: not caught: $want"; missed=1; }
    done
    [ $missed -eq 0 ] && echo "self-test: passed"
    exit $missed
fi
report=$1
if [ ! -f "$report" ]; then
    echo "FAIL: $report: no such file"
    exit 1
fi

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$(command -v "$b")
            break
        fi
    done
fi
if [ -z "$browser" ] || [ ! -x "$browser" ]; then
    echo "SKIP: Chromium not installed (apt-get install chromium, or scripts/setup.sh --with-browser)"
    exit 77
fi

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# ---- static checks on the page as written ----------------------------------------------------
if grep -qi '<script' "$report"; then
    fail "the report contains a <script> element (line $(grep -ni '<script' "$report" | head -n 1 | cut -d: -f1))"
fi
urls=$(grep -oi 'https\?://[^"'"'"' <>)]*' "$report" |
       grep -v -x -e 'http://www.w3.org/2000/svg' -e 'http://www.w3.org/1999/xlink' | sort -u)
if [ -n "$urls" ]; then
    fail "the report references the network: $(echo "$urls" | head -n 5 | tr '\n' ' ')"
fi

# ---- the instrumented copy ---------------------------------------------------------------------
dir=$(cd "$(dirname "$report")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-check-report.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
page=$tmp/page.html

# One script at the very top of <head> does everything (so that a Content-Security-Policy
# <meta> later in the page cannot block it): it records errors from the capture phase (failed
# resource loads arrive there, not at window.onerror), console errors and CSP violations; on
# "load" it opens every <details>, measures every figure and writes the result as plain lines
# into <pre id="cs-check">, which --dump-dom then prints. <base> keeps the page's relative
# links pointing into the report's directory.
cat > "$tmp/inject.html" <<EOF
<base href="file://$dir/"><script>
(function () {
  var errs = [];
  function say(s) { errs.push(String(s).replace(/\\s+/g, ' ')); }
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName) {
      var src = t.src || (t.href && (t.href.baseVal || t.href)) || t.data || '';
      say('failed to load <' + t.tagName.toLowerCase() + '> ' + src);
    } else {
      say('JS error: ' + (e.message || '?') + ' at ' + (e.filename || '') + ':' + (e.lineno || 0));
    }
  }, true);
  window.addEventListener('unhandledrejection', function (e) { say('unhandled rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) {
    say('blocked by the page policy: ' + e.violatedDirective + ' ' + e.blockedURI);
  });
  var ce = console.error;
  console.error = function () { say('console.error: ' + Array.prototype.join.call(arguments, ' ')); return ce.apply(console, arguments); };
  function label(el, i) {
    var s = '<' + el.tagName.toLowerCase() + '> #' + i;
    var id = el.getAttribute('id'), aria = el.getAttribute('aria-label'), src = el.getAttribute('src');
    var t = el.querySelector && el.querySelector('title');
    if (id) s += ' id=' + id;
    if (src) s += ' src=' + src;
    if (aria) s += ' "' + aria + '"';
    else if (t && t.textContent) s += ' "' + t.textContent.slice(0, 60) + '"';
    return s;
  }
  window.addEventListener('load', function () {
    var out = [], i, r;
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
    var svgs = Array.prototype.filter.call(document.querySelectorAll('svg'), function (s) {
      return !(s.parentElement && s.parentElement.closest('svg'));
    });
    var imgs = document.querySelectorAll('img');
    out.push('svg ' + svgs.length);
    out.push('img ' + imgs.length);
    for (i = 0; i < svgs.length; i++) {
      r = svgs[i].getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) out.push('empty ' + label(svgs[i], i) + ' is ' + r.width + 'x' + r.height);
    }
    for (i = 0; i < imgs.length; i++) {
      r = imgs[i].getBoundingClientRect();
      if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) out.push('broken ' + label(imgs[i], i) + ' did not load');
      if (!(r.width > 0 && r.height > 0)) out.push('empty ' + label(imgs[i], i) + ' is ' + r.width + 'x' + r.height);
    }
    errs.forEach(function (e) { out.push('error ' + e); });
    var pre = document.createElement('pre');
    pre.id = 'cs-check';
    pre.textContent = '\\nCS-CHECK-BEGIN\\n' + out.join('\\n') + '\\nCS-CHECK-END\\n';
    (document.body || document.documentElement).appendChild(pre);
  });
})();
</script>
EOF

# Insert it right after the first <head> tag (not <header>).
if ! grep -qi '<head\([[:space:]][^>]*\)\{0,1\}>' "$report"; then
    fail "the report has no <head>"
    exit 1
fi
awk -v inject="$tmp/inject.html" '
    !done && match(tolower($0), /<head([ \t][^>]*)?>/) {
        printf "%s", substr($0, 1, RSTART + RLENGTH - 1)
        while ((getline line < inject) > 0) print line
        print substr($0, RSTART + RLENGTH)
        done = 1
        next
    }
    { print }
' "$report" > "$page"

# ---- render ------------------------------------------------------------------------------------
run=""
if command -v timeout >/dev/null 2>&1; then
    run="timeout 120"
fi
$run "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --allow-file-access-from-files --no-first-run --disable-extensions \
    --disable-background-networking --disable-sync --mute-audio \
    --user-data-dir="$tmp/profile" --window-size=1400,1000 \
    --enable-logging=stderr --v=0 \
    --virtual-time-budget=10000 --dump-dom "file://$page" > "$tmp/dom.html" 2> "$tmp/chromium.log"
status=$?
if [ $status -ne 0 ]; then
    fail "$browser exited with status $status: $(tail -n 3 "$tmp/chromium.log" | tr '\n' ' ')"
    exit 1
fi

# The result block, with the HTML escapes of a text node undone.
sed -n '/CS-CHECK-BEGIN/,/CS-CHECK-END/p' "$tmp/dom.html" |
    sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e 's/&nbsp;/ /g' -e 's/&amp;/\&/g' > "$tmp/result"
if ! grep -q 'CS-CHECK-END' "$tmp/result"; then
    fail "the page did not finish loading within the time budget, or blocked the check (no result in the DOM)"
    exit 1
fi
nsvg=$(sed -n 's/^svg //p' "$tmp/result")
nimg=$(sed -n 's/^img //p' "$tmp/result")
if [ "${nsvg:-0}" -lt 1 ]; then
    fail "no <svg> in the page"
fi
while IFS= read -r line; do
    case $line in
        'empty '* | 'broken '* | 'error '*) fail "$line" ;;
    esac
done < "$tmp/result"
# Chromium also logs what the page's console said, resource failures included.
grep 'CONSOLE' "$tmp/chromium.log" | grep -i -e 'error' -e 'failed' -e 'refused' | head -n 5 |
while IFS= read -r line; do
    echo "FAIL: browser console: $line"
done > "$tmp/console"
if [ -s "$tmp/console" ]; then
    cat "$tmp/console"
    failures=$((failures + 1))
fi

figures=$((nsvg + nimg))
if [ $failures -ne 0 ]; then
    echo "$report: $failures problem(s) ($nsvg svg, $nimg img)"
    exit 1
fi
echo "$report: $figures figures, all non-empty ($nsvg svg, $nimg img); no errors, no network"
exit 0
