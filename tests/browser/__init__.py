"""Browser tests: a real JupyterLab on 127.0.0.1 driven in Debian's Chromium by Playwright."""
