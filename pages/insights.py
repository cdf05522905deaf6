from components import placeholder
from components.shell import require_navigation

require_navigation()

placeholder.render(
    "Insights",
    "find, rename, tag and share insights, manage their dashboards and see who changed what.",
)
