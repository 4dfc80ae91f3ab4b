"""One trial: what it runs with (``context``), building and scoring one architecture
(``objective``), scoring it on the dev items batch by batch (``evaluation``), trials left by a
dead process (``recovery``), and what a trial records (``attributes``)."""
