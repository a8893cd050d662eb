"""`python -m vidscore` is the `vidscore` command."""

from vidscore.cli import main

if __name__ == "__main__":
    main()
