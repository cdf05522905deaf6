from components import placeholder
from components.shell import require_navigation

require_navigation()

placeholder.render(
    "Audit",
    "unused insights and everything shared publicly, with CSV.",
)
