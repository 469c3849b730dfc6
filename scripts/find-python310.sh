#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 needs 3.10), or explain and fail.
# pyenv's python3.10 shim fails unless 3.10 is the selected version, so installs are tried directly.
for candidate in ${PYTHON310:-} \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 \
    /root/.pyenv/versions/3.10*/bin/python3.10 \
    /usr/local/bin/python3.10 /usr/bin/python3.10 python3.10; do
  if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
echo "Python 3.10 was not found (Rasa 3.6 needs it). Install it, or set PYTHON310=/path/to/python3.10." >&2
exit 1
