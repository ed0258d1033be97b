"""The closed vocabularies of GLOSSARY.md, with the Chinese each one shows to users."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    region_contact = "region_contact"
    base_contact = "base_contact"
    workshop_host = "workshop_host"
    trainee = "trainee"
    school_admin = "school_admin"


class ProgrammeKind(StrEnum):
    base_training = "base_training"
    guopei = "guopei"


class Stage(StrEnum):
    kindergarten = "kindergarten"
    primary = "primary"
    junior = "junior"
    senior = "senior"


class Subject(StrEnum):
    """主要任教学科 of a 国培 programme: the seed's 语数英 only."""

    chinese = "chinese"
    math = "math"
    english = "english"


class StudyType(StrEnum):
    placement = "placement"
    exchange = "exchange"


ROLE_NAMES_ZH = {
    Role.admin: "中心实验区管理办公室管理员",
    Role.region_contact: "实验区联系人",
    Role.base_contact: "研修基地联系人",
    Role.workshop_host: "工作坊主持人",
    Role.trainee: "研修人员",
    Role.school_admin: "校级管理员",
}

STAGE_NAMES_ZH = {
    Stage.kindergarten: "幼儿园",
    Stage.primary: "小学",
    Stage.junior: "初中",
    Stage.senior: "高中",
}

SUBJECT_NAMES_ZH = {
    Subject.chinese: "语文",
    Subject.math: "数学",
    Subject.english: "英语",
}
