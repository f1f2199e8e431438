from vigie.cli import main

main(prog_name="python -m vigie")
