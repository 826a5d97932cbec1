from credere.cli import main

main()
