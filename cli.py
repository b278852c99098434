"""Thin entry point: `python cli.py ...` behaves like the `symbiosis` command."""
from symbiosis.cli import main

if __name__ == "__main__":
    main()
