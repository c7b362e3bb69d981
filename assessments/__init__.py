"""Assessments: question banks, versioned questions, attempts and server-side grading."""
