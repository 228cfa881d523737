from bottomline.cli.main import main

main()
