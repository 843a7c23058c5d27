package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// genVersion is part of the data file's name: change it whenever the generator's output changes,
// so a cached file from an older generator is not reused.
const genVersion = "v1"

// header is the CSV header; the pipelines rename these to the ASCII names in columns.
var header = []string{"编号", "姓名", "性别", "身份证号", "手机号", "出生日期", "住址", "社区", "积分", "登记时间"}

// columns are the table's column names, in CSV order, with their SQL types.
var columns = []struct{ name, sqlType string }{
	{"id", "bigint"},
	{"name", "text"},
	{"gender", "text"},
	{"id_card", "text"},
	{"phone", "text"},
	{"birth_date", "date"},
	{"address", "text"},
	{"community", "text"},
	{"score", "numeric(10,2)"},
	{"registered_at", "timestamp"},
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
		"胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"}
	compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫"}
	givenRunes       = []string{"伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
		"艳", "杰", "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "文", "华", "建", "国", "红", "玉",
		"志", "海", "春", "小", "晓", "燕", "鹏", "飞", "婷", "雪"}
	// areas pairs a 6-digit administrative code (the ID number's prefix) with its address prefix.
	areas = []struct{ code, prefix string }{
		{"120101", "天津市和平区"}, {"120102", "天津市河东区"}, {"120103", "天津市河西区"},
		{"110101", "北京市东城区"}, {"110105", "北京市朝阳区"}, {"310101", "上海市黄浦区"},
		{"440106", "广州市天河区"}, {"510104", "成都市锦江区"}, {"330106", "杭州市西湖区"},
		{"420102", "武汉市江岸区"}, {"610113", "西安市雁塔区"}, {"320102", "南京市玄武区"},
	}
	streets     = []string{"南京路", "解放北路", "建设大街", "人民路", "中山路", "幸福街", "和平路", "长江道", "黄河道", "友谊路"}
	communities = []string{"朝阳里社区", "新兴街社区", "五大道社区", "春华街社区", "滨江道社区", "劝业场社区",
		"南营门社区", "小白楼社区", "体育馆社区", "天塔社区", "王顶堤社区", "学府街社区"}
	idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idChecks  = "10X98765432"
)

var (
	birthFrom = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	birthDays = int(time.Date(2006, 12, 31, 0, 0, 0, 0, time.UTC).Sub(birthFrom).Hours() / 24)
	regFrom   = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	regSecs   = int64(5 * 365 * 24 * 3600)
)

// dataFileName names the generated file by generator version and row count: that is the cache key.
func dataFileName(rows int) string {
	return fmt.Sprintf("residents-%s-%d.csv", genVersion, rows)
}

// ensureData returns the path of the CSV with rows data rows in dir, generating it unless a file
// of that name exists already. It writes to a temporary name and renames at the end, so an
// interrupted run never leaves a truncated file that a later run would take for complete.
func ensureData(dir string, rows int) (path string, generated bool, err error) {
	path = filepath.Join(dir, dataFileName(rows))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, false, nil
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", false, fmt.Errorf("generate data: %w", err)
	}
	werr := generate(f, rows)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return "", false, fmt.Errorf("generate data %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", false, fmt.Errorf("generate data: %w", err)
	}
	return path, true, nil
}

// generate streams rows resident records as UTF-8 CSV with a header. The output depends only on
// rows: the random source has a fixed seed and PCG's sequence is stable across Go releases.
func generate(f *os.File, rows int) error {
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	if err := w.Write(header); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(20240301, 1))
	rec := make([]string, len(header))
	var idBuf [18]byte
	for i := 1; i <= rows; i++ {
		fillRecord(r, i, rec, &idBuf)
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// fillRecord writes record i into rec. The ID number is consistent with the birth date, gender and
// area, and carries a valid GB 11643 check digit, so validators downstream can be exercised on it.
func fillRecord(r *rand.Rand, i int, rec []string, idBuf *[18]byte) {
	male := r.IntN(2) == 0
	var name string
	if r.IntN(50) == 0 {
		name = compoundSurnames[r.IntN(len(compoundSurnames))]
	} else {
		name = surnames[r.IntN(len(surnames))]
	}
	name += givenRunes[r.IntN(len(givenRunes))]
	if r.IntN(3) != 0 {
		name += givenRunes[r.IntN(len(givenRunes))]
	}
	area := areas[r.IntN(len(areas))]
	birth := birthFrom.AddDate(0, 0, r.IntN(birthDays+1))
	seq := r.IntN(500) * 2 // even: female
	if male {
		seq++
	}
	id := idBuf[:0]
	id = append(id, area.code...)
	id = birth.AppendFormat(id, "20060102")
	id = append(id, byte('0'+seq/100), byte('0'+seq/10%10), byte('0'+seq%10))
	sum := 0
	for k := 0; k < 17; k++ {
		sum += int(id[k]-'0') * idWeights[k]
	}
	id = append(id, idChecks[sum%11])

	phone := make([]byte, 0, 11)
	phone = append(phone, '1', byte('3'+r.IntN(7)))
	for k := 0; k < 9; k++ {
		phone = append(phone, byte('0'+r.IntN(10)))
	}

	street := streets[r.IntN(len(streets))]
	no, bld, room := 1+r.IntN(300), 1+r.IntN(20), 100*(1+r.IntN(18))+1+r.IntN(4)
	var addr string
	switch k := r.IntN(100); {
	case k < 10: // an ASCII comma: the field must be quoted
		addr = fmt.Sprintf("%s%s%d号,%d栋%d室", area.prefix, street, no, bld, room)
	case k < 11: // an ASCII double quote: quoted and doubled
		addr = fmt.Sprintf("%s\"%s\"小区%d栋%d室", area.prefix, street, bld, room)
	default:
		addr = fmt.Sprintf("%s%s%d号%d栋%d室", area.prefix, street, no, bld, room)
	}

	score := r.IntN(10001)
	reg := regFrom.Add(time.Duration(r.Int64N(regSecs)) * time.Second)

	rec[0] = strconv.Itoa(i)
	rec[1] = name
	if male {
		rec[2] = "男"
	} else {
		rec[2] = "女"
	}
	rec[3] = string(id)
	rec[4] = string(phone)
	rec[5] = birth.Format("2006-01-02")
	rec[6] = addr
	rec[7] = communities[r.IntN(len(communities))]
	rec[8] = fmt.Sprintf("%d.%02d", score/100, score%100)
	rec[9] = reg.Format("2006-01-02 15:04:05")
}
