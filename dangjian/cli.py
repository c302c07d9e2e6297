"""The `dangjian` console script: every Django management command plus the project's own
(`dangjian check FILE`, `dangjian import FILE`, `dangjian export`, `dangjian demo` …)."""
import os
import secrets
import sys
from pathlib import Path


def ensure_local_secret() -> None:
    """A local install keeps a generated SECRET_KEY under var/ so encrypted data stays readable."""
    if os.environ.get("SECRET_KEY") or os.environ.get("DJANGO_SECRET_KEY"):
        return
    var = Path(os.environ.get("DANGJIAN_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    key = var / "secret_key"
    if not key.exists():
        var.mkdir(parents=True, exist_ok=True)
        key.write_text(secrets.token_urlsafe(50))
        key.chmod(0o600)


def _names_a_file(args) -> bool:
    """`dangjian textcheck FILE` judges the file in a throwaway database like `check`; `--org ID` reads the real one."""
    plain = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in ("--org", "--as-of"))]
    return bool(plain)


def main(argv=None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    # (`check --deploy` judges the installation's own settings, so it gets neither.)
    if len(argv) > 1 and ((argv[1] == "check" and "--deploy" not in argv[2:])
                          or (argv[1] == "textcheck" and _names_a_file(argv[2:]))):
        # `dangjian check FILE` judges a DJX file in a throwaway in-memory database: it never
        # touches (or needs) the installation's database or secret.
        os.environ["DATABASE_URL"] = "sqlite://:memory:"
        os.environ.setdefault("DANGJIAN_TESTING", "1")
    else:
        ensure_local_secret()
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
