"""Allow ``python -m pimdesk`` as an alias of the console script."""

from pimdesk.cli import main

if __name__ == "__main__":
    main()
