import DepotCommands

await DepotCommand.runMain()
