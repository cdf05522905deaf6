from components import placeholder
from components.shell import require_navigation

require_navigation()

placeholder.render(
    "App metrics",
    "successes, retries and failures of legacy plugins and batch exports, with error details.",
)
