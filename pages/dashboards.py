from components import placeholder
from components.shell import require_navigation

require_navigation()

placeholder.render(
    "Dashboards",
    "find dashboards, manage who can edit them, check public sharing and tidy their tiles.",
)
