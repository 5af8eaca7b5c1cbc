from service.cli.main import cli

cli()
