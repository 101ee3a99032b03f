"""python -m courses.curriculum.check: list every problem in courses/content/, or say it is fine.

With file arguments, checks only those course files (structure, lesson length, references).
"""

import sys
from pathlib import Path

from .schema import ContentError, check_course, check_curriculum, lesson_length, read_course


def main(argv: list[str]) -> int:
    if argv:
        problems = []
        for name in argv:
            path = Path(name)
            language = "zh-hans" if path.name.endswith(".zh-hans.yaml") else "en"
            try:
                course = read_course(path)
            except ContentError as exc:
                problems.append(str(exc))
                continue
            problems += check_course(course, language)
            for module in course.modules:
                for lesson in module.lessons:
                    print(
                        f"{path.name} {module.slug}/{lesson.slug}: {lesson_length(lesson, language)}"
                    )
    else:
        problems = check_curriculum()
    for problem in problems:
        print("PROBLEM:", problem)
    if not problems:
        print("Content is valid.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
