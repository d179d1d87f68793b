import DepotCommands

DepotCommand.runMain()
