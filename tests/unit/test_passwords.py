"""Outside tests, passwords get argon2's full-strength parameters (the suite itself uses cheap ones)."""

import os
import subprocess
import sys


def test_development_and_production_hash_with_full_strength_argon2() -> None:
    for env in ("development", "production"):
        out = subprocess.run(
            [sys.executable, "-c", "from domain import passwords; print(passwords.hash_password('a-password-123'))"],
            env={**os.environ, "CHESANTO_ENV": env, "CHESANTO_SECRET_KEY": "k" * 40},
            capture_output=True, text=True, check=True,
        ).stdout
        assert out.startswith("$argon2id$") and "m=65536,t=3" in out, (env, out)
