"""What a finished search says: the leaderboard (``leaderboard``), exported systems and the
summary (``results``), the held-out verdict (``final_eval``), coverage against selection
(``coverage``), what pruning saved and cost (``pruning``), and the Markdown and HTML reports
(``markdown``, ``html``) and plots (``plots``)."""
