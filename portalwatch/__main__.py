from portalwatch.cli import app

app(prog_name="portalwatch")
