"""Remote monitoring, pure: questionnaire scoring, wearable imports, adherence, alerts and
RPM/RTM billing rules.

No web, database or settings (an import-linter contract keeps it so): the services layer
stores what these engines compute, and the CLI and the web app are shells around them.
"""
