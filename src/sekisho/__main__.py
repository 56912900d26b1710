from sekisho.cli.main import run

run()
