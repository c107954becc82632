import ArgumentParser

MosaicCommand.main()
