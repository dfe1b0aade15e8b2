from minimarket.cli import run

run()
