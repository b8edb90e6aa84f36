from partners.cli import main

raise SystemExit(main())
