"""The Lesson tab: `pane.LessonPane` and its views, one per module (`table`, `rule`, `map`,
`network`, `digits`, `curve`), drawn from what `data.LessonData` holds of the trainer's typed
events with the text of `render`; `code` is the show-the-code dialog.

Nothing is imported here: the app loads these modules after its first frame.
"""
