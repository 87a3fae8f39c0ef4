from kqexcel.cli import main

main()
