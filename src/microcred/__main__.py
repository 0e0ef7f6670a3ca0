from microcred.cli import app

app(prog_name="microcred")
