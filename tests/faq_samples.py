"""A small, valid FAQ file that tests copy and break."""

GOOD = """\
- id: work_injury_standalone
  question: 工伤保险能不能单独买？
  also_asked: [只交工伤保险行不行, 老板说工伤不能单独上]
  answer: 能。西宁可以单独参加工伤保险。
  source: 调研报告（西宁市总工会，2019）
  as_of: 2019-11-01
- id: late_fee
  question: 欠缴社保的滞纳金怎么算？
  also_asked: [社保晚交了有滞纳金吗]
  answer: 每天按欠缴数额的万分之五加收。
  source: 《社会保险法》第八十六条
  as_of: 2023-07-01
"""
