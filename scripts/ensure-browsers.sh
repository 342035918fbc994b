#!/usr/bin/env bash
# The e2e tests use Debian's browsers, never downloaded ones: chromium (Playwright), firefox-esr (WebDriver BiDi via
# puppeteer-core), WebKitGTK's WebKitWebDriver + MiniBrowser (webkit2gtk-driver) under xvfb-run (xvfb). Installs what is missing.
set -euo pipefail
bash "$(dirname "$0")/ensure-chromium.sh"
need=()
command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || need+=(webkit2gtk-driver)
[ -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser ] || need+=(libwebkit2gtk-4.1-0)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "installing ${need[*]} with apt-get" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
command -v firefox-esr >/dev/null && command -v WebKitWebDriver >/dev/null && command -v xvfb-run >/dev/null
